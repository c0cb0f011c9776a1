{ config, lib, types, ... }:
{
  options.hosts = lib.mkOption {
    type = lib.types.lazyAttrsOf (types.optCallWith { inherit (config) inputs; } lib.types.attrs);
    default = { };
  };
  config = {
    _module.args = { inherit (config) inputs; };
    outputs.nixosConfigurations = lib.mapAttrs
      (name: cfg: config.inputs.nixpkgs.lib.nixosSystem (cfg // {
        specialArgs = { inherit (config) inputs; hostname = name; };
      }))
      config.hosts;
  };
}
