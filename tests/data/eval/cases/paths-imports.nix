# Paths (relative to this file) and imports of relative files and directories.
let
  helper = import ../imports/helper.nix;
in
{
  import-value = helper.value;
  import-function = (import ../imports/function.nix) { name = "app"; };
  import-dir-default = (import ../imports/dir).fromDir;
  import-nested-relative = (import ../imports/sub/nested.nix).combined;
  import-twice-equal = import ../imports/helper.nix == import ../imports/helper.nix;
  import-string-path = (import (toString ../imports/helper.nix)).value;
  import-out-path-set = (import { outPath = ../imports/helper.nix; }).value;
  import-mutual-lazy = (import ../imports/mutual-a.nix).y;
  path-to-string-basename = baseNameOf (toString ./paths-imports.nix);
  path-concat = baseNameOf (toString (../imports + "/helper.nix"));
  path-dir-of = baseNameOf (toString (dirOf ../imports/helper.nix));
  path-normalised = toString ../imports/sub/.. == toString ../imports;
  path-exists = builtins.pathExists ../imports/helper.nix;
  path-exists-missing = builtins.pathExists ../imports/nope.nix;
  path-is-path = builtins.isPath ./.;
  path-type = builtins.typeOf ../imports;
  path-equality = ../imports/helper.nix == ../imports/./helper.nix;
  path-interpolated-dir = baseNameOf (toString ../imports/${"sub"});
  read-file = builtins.readFile ../imports/text.txt;
  import-with-let = (import ../imports/uses-let.nix).result;
  read-dir = builtins.readDir ../imports;
  read-dir-sub = builtins.attrNames (builtins.readDir ../imports/sub);
  # A set first in `+` is its outPath; what follows is not copied to the
  # store (`self + /modules/x.nix` in a flake).
  set-plus-path = { outPath = "/nix/store/abc-source"; } + /modules/x.nix;
  set-plus-string = { outPath = "/srv"; } + "/data";
  set-plus-set = { outPath = "/a"; } + { outPath = "/b"; };
  set-plus-path-context = builtins.hasContext ({ outPath = "/srv"; } + ../imports/helper.nix);
}
