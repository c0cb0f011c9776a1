# The system tables frameworks read from nixpkgs' lib, here with the
# built-in lib (nixpkgs' source is not given): flakelight's
# `systems = intersectLists doubles.linux flakeExposed`, and paisano's
# `elem name doubles.all` telling per-system attributes from the others.
# The hosts and the service's paths come from them, so the plan shows they
# are known (and, with nixpkgs' lib, the same: tests/gen_inputs.rs).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { self, nixpkgs, atelier }:
    let
      inherit (nixpkgs) lib;
      systems = lib.intersectLists lib.systems.doubles.linux lib.systems.flakeExposed;
      cells = {
        x86_64-linux.archive = "amd64";
        aarch64-darwin.archive = "darwin";
        riscv64-linux.archive = "riscv";
        common.archive = "shared";
      };
      perSystem = lib.filterAttrs (name: _: lib.elem name lib.systems.doubles.all) cells;
      host = system: lib.nixosSystem {
        inherit system;
        specialArgs = { inherit atelier; };
        modules = [
          atelier.nixosModules.default
          ./host.nix
          {
            atelier.services.photos.data.files =
              map (s: "/srv/archive/${perSystem.${s}.archive}")
                (lib.filter (s: perSystem ? ${s} && lib.elem s lib.systems.doubles.linux) systems);
          }
        ];
      };
    in
    {
      # One host per 64-bit x86 system the flake is for: `box` alone.
      nixosConfigurations = lib.listToAttrs (map
        (s: { name = if s == "x86_64-linux" then "box" else s; value = host s; })
        (lib.filter (s: lib.elem s lib.systems.doubles.x86_64) systems));
    };
}
