{ lib, ... }:
{
  options.hosts = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
      options.modules = lib.mkOption {
        type = lib.types.listOf lib.types.deferredModule;
        default = [ ];
      };
      options.dataRoot = lib.mkOption {
        type = lib.types.str;
        default = "/srv/${name}";
      };
    }));
    default = { };
  };
}
