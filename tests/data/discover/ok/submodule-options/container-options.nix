{ name, lib, ... }:
{
  options = {
    enable = lib.mkEnableOption "container ${name}";
    name = lib.mkOption { type = lib.types.str; default = name; readOnly = true; };
    port = lib.mkOption { type = lib.types.port; };
  };
}
