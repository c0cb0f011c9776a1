# The type of a hand-written `data` option (a reduced atelier data block),
# so that nixpkgs' lib.evalModules merges it like atelier's own.
{ lib, ... }:
{
  options = {
    files = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    exclude = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    sqlite = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
    };
  };
}
