#!/usr/bin/env bash
# Packs the medtune tool, installs it both ways users do, and runs it:
#  - globally (into a private --tool-path, so CI does not touch the user's ~/.dotnet/tools),
#  - locally through the repository's dotnet-tools.json, from the local feed artifacts/packages;
# then runs the quickstart with the installed tool (exercising the packaged native libraries).
set -euo pipefail
cd "$(dirname "$0")/../.."
feed="$PWD/artifacts/packages"
rm -rf "$feed"; mkdir -p "$feed"
dotnet pack tool -c Release -o "$feed" --nologo -v quiet
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -1)

# A NuGet config that sees only the local feed: the tool must come from what we just built.
cfg_dir=$(mktemp -d); trap 'rm -rf "$cfg_dir"' EXIT
cat > "$cfg_dir/nuget.config" <<CFG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$feed" /></packageSources></configuration>
CFG

tool_path="$cfg_dir/tools"
dotnet tool install medtune --version "$version" --tool-path "$tool_path" --configfile "$cfg_dir/nuget.config"
"$tool_path/medtune" --version
"$tool_path/medtune" validate experiments/quickstart.yaml

# The quickstart end to end with the installed tool, so the native libraries in the package (libtorch, ONNX Runtime,
# SkiaSharp) are loaded from where an installed tool finds them — not from the build output. A copy of the
# experiment and a private cache keep the repository's lock file and cache untouched.
work="$cfg_dir/quickstart"; mkdir -p "$work"
cp -r experiments/quickstart experiments/quickstart.yaml "$work/"
(cd "$work" && "$tool_path/medtune" run quickstart.yaml --cache "$work/cache" --fail-under tuned.exact_match=0.5 | cat)
"$tool_path/medtune" verify "$work/quickstart.yaml" --cache "$work/cache" --json >/dev/null

dotnet tool restore --configfile "$cfg_dir/nuget.config"
dotnet tool run medtune -- validate experiments/quickstart.yaml
echo "tool-install-smoke: global and local installs of medtune $version work; the installed tool ran the quickstart"
