# Defined twice, as a function and as a set: they merge under the type.
{ lib, types, ... }:
{
  options.shell = lib.mkOption {
    type = types.nullable (types.optFunctionTo (lib.types.submodule {
      options.packages = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
    }));
    default = null;
  };
  options.internalThing = lib.mkOption { internal = true; default = 1; };
  config.shell.packages = [ "git" ];
}
