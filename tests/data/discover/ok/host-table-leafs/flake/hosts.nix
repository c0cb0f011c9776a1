{ lib, config, inputs, self, ... }:
let
  cfg = config.hosts;
in
{
  # easy-hosts' `perClass`: a function whose result is a submodule's
  # config, so an attribute it leaves out has the option's default.
  options.perClass = lib.mkOption {
    type = lib.types.functionTo (lib.types.submodule {
      options.modules = lib.mkOption { type = lib.types.listOf lib.types.deferredModule; default = [ ]; };
      options.specialArgs = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
    });
    default = _: { modules = [ ]; specialArgs = { }; };
  };
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
    (name: host:
      let class = config.perClass "nixos"; in
      host.nixpkgs.lib.nixosSystem {
        specialArgs = { inherit inputs self; } // class.specialArgs;
        modules = [ host.path self.nixosModules.default ] ++ class.modules;
      })
    cfg;
}
