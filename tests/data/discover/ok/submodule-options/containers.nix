{ config, lib, ... }:
{
  options.my.containers = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submoduleWith {
      modules = [ ./container-options.nix ];
      specialArgs.hostConfig = config;
    });
    default = { };
  };
}
