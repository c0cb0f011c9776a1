# Hosts chosen by what their evaluated configuration says: only Nix knows
# which, so it is reported, never taken for "no hosts".
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } ({ lib, config, ... }: {
    options.flake.machines = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.raw; default = { }; };
    config.flake = {
      machines.box = inputs.nixpkgs.lib.nixosSystem { modules = [ ./box.nix ]; };
      nixosConfigurations = lib.filterAttrs (_: m: m.config.system.kind == "server") config.flake.machines;
    };
  });
}
