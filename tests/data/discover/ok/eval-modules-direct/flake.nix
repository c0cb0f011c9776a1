# Hosts described in the flake's own module system, evaluated by calling
# `lib.evalModules` directly (as mightyiam/infra does for its hosts):
# `config.hosts.<name>` holds each host's modules and data root, and the
# flake maps it to `nixosSystem` calls; `extendModules` overrides one host.
# With no nixpkgs source here, `lib.evalModules` is atelier's built-in one,
# on atelier's module system (submodule defaults, `name`, `mkForce`).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs@{ nixpkgs, atelier, ... }:
    let
      inherit (nixpkgs) lib;
      infra = lib.evalModules {
        modules = [ ./infra/options.nix ./infra/hosts.nix ];
        specialArgs = { inherit inputs; };
      };
      final = infra.extendModules {
        modules = [ { hosts.vault.dataRoot = lib.mkForce "/srv/vault-data"; } ];
      };
    in
    {
      nixosConfigurations = lib.mapAttrs
        (name: host: lib.nixosSystem {
          specialArgs = { inherit atelier; inherit (host) dataRoot; };
          modules = [ atelier.nixosModules.default ./hosts/common.nix ] ++ host.modules;
        })
        final.config.hosts;
    };
}
