#!/usr/bin/env bash
# macOS: build, sign, notarize and package "Hubnity Agent.app".
#   installers/macos/build_app.sh
# Environment:
#   CODESIGN_IDENTITY  "Developer ID Application: Your Org (TEAMID)"; unset → unsigned
#                      build for local testing only (Gatekeeper blocks it elsewhere)
#   NOTARY_PROFILE     keychain profile made once with
#                      `xcrun notarytool store-credentials NAME --apple-id ... --team-id ...`;
#                      unset → sign without notarizing
# Output: build/installers/Hubnity-Agent-<version>.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
dist=build/installers/dist
app="$dist/Hubnity Agent.app"
python3 installers/build_agent.py --dist "$dist" --no-smoke
version=$(python3 -c 'exec(open("shared/version.py").read()); print(__version__)')
"$app/Contents/MacOS/hubnity-agent" --version

if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    # Inside-out: every Mach-O file first, then the bundle (no --deep, as Apple advises).
    find "$app/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) -print0 |
        while IFS= read -r -d '' f; do
            if file "$f" | grep -q 'Mach-O'; then
                codesign --force --timestamp --options runtime \
                    --entitlements installers/macos/entitlements.plist \
                    --sign "$CODESIGN_IDENTITY" "$f"
            fi
        done
    codesign --force --timestamp --options runtime \
        --entitlements installers/macos/entitlements.plist \
        --sign "$CODESIGN_IDENTITY" "$app"
    codesign --verify --strict --verbose=2 "$app"
fi

dmg="build/installers/Hubnity-Agent-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "Hubnity Agent" -srcfolder "$app" -ov -format UDZO "$dmg"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg"
fi
if [ -n "${CODESIGN_IDENTITY:-}" ] && [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose "$dmg"
fi
echo "$dmg"
