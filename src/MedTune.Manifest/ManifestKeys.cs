using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace MedTune.Manifest;

/// <summary>What a manifest key holds, as the loader, schema and docs see it.</summary>
public enum KeyKind { String, Integer, Number, Boolean, StringList, IntegerList, Section, SectionList }

/// <summary>One YAML key of a manifest section: the property behind it plus its attributes.</summary>
public sealed class ManifestKey
{
    internal ManifestKey(PropertyInfo property)
    {
        Property = property;
        Name = ManifestKeys.SnakeCase(property.Name);
        var type = property.PropertyType;
        IsNullable = Nullable.GetUnderlyingType(type) is not null
            || (!type.IsValueType && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.Nullable);
        type = Nullable.GetUnderlyingType(type) ?? type;
        (Kind, SectionType) = Classify(type, property);
        Doc = property.GetCustomAttribute<DocAttribute>()?.Text
            ?? throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name} has no [Doc] description");
        OneOf = property.GetCustomAttribute<OneOfAttribute>()?.Values;
        Min = property.GetCustomAttribute<MinAttribute>();
        Max = property.GetCustomAttribute<MaxAttribute>();
        Pattern = property.GetCustomAttribute<PatternAttribute>();
        IsRequired = property.IsDefined(typeof(RequiredAttribute));
        IsNonEmpty = property.IsDefined(typeof(NonEmptyAttribute));
        IsPath = property.IsDefined(typeof(PathValueAttribute));
    }

    public PropertyInfo Property { get; }
    /// <summary>The YAML key: snake_case of the property name.</summary>
    public string Name { get; }
    public KeyKind Kind { get; }
    /// <summary>The section class for <see cref="KeyKind.Section"/> and <see cref="KeyKind.SectionList"/>.</summary>
    public Type? SectionType { get; }
    /// <summary>The key may be null (unset).</summary>
    public bool IsNullable { get; }
    public string Doc { get; }
    public IReadOnlyList<string>? OneOf { get; }
    public MinAttribute? Min { get; }
    public MaxAttribute? Max { get; }
    public PatternAttribute? Pattern { get; }
    public bool IsRequired { get; }
    public bool IsNonEmpty { get; }
    public bool IsPath { get; }

    public bool IsList => Kind is KeyKind.StringList or KeyKind.IntegerList or KeyKind.SectionList;

    public object? GetValue(object section) => Property.GetValue(section);
    public void SetValue(object section, object? value) => Property.SetValue(section, value);

    /// <summary>"an integer", "a list of strings", ... for messages.</summary>
    public string Expected => Kind switch
    {
        KeyKind.String => "a string",
        KeyKind.Integer => "an integer",
        KeyKind.Number => "a number",
        KeyKind.Boolean => "true or false",
        KeyKind.StringList => "a list of strings",
        KeyKind.IntegerList => "a list of integers",
        KeyKind.Section => "a mapping",
        KeyKind.SectionList => "a list of mappings",
        _ => throw new InvalidOperationException(Kind.ToString()),
    };

    private static (KeyKind, Type?) Classify(Type type, PropertyInfo property)
    {
        if (type == typeof(string)) return (KeyKind.String, null);
        if (type == typeof(int)) return (KeyKind.Integer, null);
        if (type == typeof(double)) return (KeyKind.Number, null);
        if (type == typeof(bool)) return (KeyKind.Boolean, null);
        if (type == typeof(List<string>)) return (KeyKind.StringList, null);
        if (type == typeof(List<int>)) return (KeyKind.IntegerList, null);
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) && type.GetGenericArguments()[0].IsClass)
            return (KeyKind.SectionList, type.GetGenericArguments()[0]);
        if (type.IsClass && type.GetConstructor(Type.EmptyTypes) is not null) return (KeyKind.Section, type);
        throw new InvalidOperationException($"{property.DeclaringType!.Name}.{property.Name}: type {type.Name} is not supported in a manifest");
    }
}

/// <summary>The YAML keys of each manifest section, found by reflection once and cached.</summary>
public static class ManifestKeys
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<ManifestKey>> Cache = new();

    /// <summary>The keys of a section type in declaration order: public settable properties not marked [NotAKey].</summary>
    public static IReadOnlyList<ManifestKey> Of(Type sectionType) => Cache.GetOrAdd(sectionType, type =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.SetMethod!.IsPublic && !p.IsDefined(typeof(NotAKeyAttribute)))
            .OrderBy(p => p.MetadataToken)
            .Select(p => new ManifestKey(p))
            .ToList());

    /// <summary>TargetModules -> target_modules, TopP -> top_p, R -> r.</summary>
    public static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
