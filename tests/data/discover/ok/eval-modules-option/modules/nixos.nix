{ config, lib, evalModulesModule, inputs, ... }:
{
  options.nixos = {
    configurations = lib.mkOption {
      type = lib.types.lazyAttrsOf (
        lib.types.submodule ({ name, ... }: {
          imports = [ evalModulesModule ];
          options.name = lib.mkOption {
            readOnly = true;
            type = lib.types.str;
            default = name;
          };
          config = {
            fn = import "${inputs.nixpkgs}/nixos/lib/eval-config.nix";
            args = { system = null; };
          };
        })
      );
    };
  };
  config.flake.nixosConfigurations =
    lib.mapAttrs (name: { configuration, ... }: configuration) config.nixos.configurations;
}
