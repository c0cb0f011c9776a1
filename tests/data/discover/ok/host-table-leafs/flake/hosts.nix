{ lib, config, inputs, self, ... }:
let
  cfg = config.hosts;
in
{
  options.hosts = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
      options = {
        nixpkgs = lib.mkOption {
          type = lib.types.anything;
          default = inputs.nixpkgs or (throw "cannot find nixpkgs input");
        };
        path = lib.mkOption { type = lib.types.path; default = ../hosts + "/${name}"; };
      };
    }));
    default = { };
  };
  config.flake.nixosConfigurations = lib.mapAttrs
    (name: host: host.nixpkgs.lib.nixosSystem {
      specialArgs = { inherit inputs self; };
      modules = [ host.path self.nixosModules.default ];
    })
    cfg;
}
