# The module system's own module, as `lib.evalModules` of the built-in lib
# adds it after the others (nixpkgs names it by the file "lib/modules.nix"):
# the `_module` options and what it defines of them. Only `_module.args` is
# shown in documentation, and only at the top (`prefix` empty). Their
# documentation text is nixpkgs' and is not copied: `description` is an
# unknown naming it.
{ lib, prefix, specialArgs, description }:
let
  inherit (lib) mkOption types;
in
{
  options._module = {
    args = mkOption ({
      type = types.lazyAttrsOf types.raw;
      inherit description;
    } // lib.optionalAttrs (prefix != [ ]) { internal = true; });
    check = mkOption {
      type = types.bool;
      internal = true;
      default = true;
      inherit description;
    };
    freeformType = mkOption {
      type = types.nullOr types.optionType;
      internal = true;
      default = null;
      inherit description;
    };
    specialArgs = mkOption {
      readOnly = true;
      internal = true;
      inherit description;
    };
  };
  config._module = {
    args = { };
    inherit specialArgs;
  };
}
