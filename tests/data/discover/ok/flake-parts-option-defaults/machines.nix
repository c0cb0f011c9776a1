{ config, lib, inputs, ... }:
{
  options.machines = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule {
      # Which nixpkgs flake builds the machine.
      options.nixpkgs = lib.mkOption { type = lib.types.anything; default = inputs.nixpkgs; };
      options.paths = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "/srv/default" ]; };
      options.exclude = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ "*.tmp" ]; };
      options.schedule = lib.mkOption { type = lib.types.str; default = "02:00"; };
      options.retention = lib.mkOption {
        type = lib.types.attrsOf lib.types.int;
        default = { daily = 7; weekly = 4; };
      };
      options.repository = lib.mkOption { type = lib.types.str; default = "/srv/restic"; };
    });
    default = { };
  };
  config.flake.nixosConfigurations = lib.mapAttrs
    (name: m: m.nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { machine = m; };
      modules = [ inputs.atelier.nixosModules.default ./host.nix ];
    })
    config.machines;
}
