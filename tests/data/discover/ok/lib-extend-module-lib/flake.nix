# `nixpkgs.lib.extend` then `lib.nixosSystem`, with no `lib` in specialArgs:
# as in nixpkgs' flake.nix, the host's modules get the extended lib as
# `lib` (its `nixosSystem` is built on the fixpoint's `final`). A
# `nixosSystem { lib = ...; }` argument replaces it.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, nixpkgs, atelier, ... }:
    let
      lib = nixpkgs.lib.extend (final: prev: {
        findModules = dir:
          final.mapAttrs' (name: _: final.nameValuePair (final.removeSuffix ".nix" name) (dir + "/${name}"))
            (final.filterAttrs (name: kind: kind == "regular" && final.hasSuffix ".nix" name) (builtins.readDir dir));
        repoOf = host: "/srv/restic/${host}";
      });
      other = lib.extend (final: prev: { repoOf = host: "/mnt/other/${host}"; });
    in
    {
      nixosConfigurations = {
        one = lib.nixosSystem {
          system = "x86_64-linux";
          specialArgs = { inherit atelier; };
          modules = [ atelier.nixosModules.default ./hosts/one.nix ];
        };
        two = lib.nixosSystem {
          lib = other;
          specialArgs = { inherit atelier; };
          modules = [ atelier.nixosModules.default ./hosts/two.nix ];
        };
      };
    };
}
