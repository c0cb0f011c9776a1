# Module-system test helpers shared by the cargo tests (nix/tests/eval.nix)
# and the flake's checks.
{ lib }:

{
  # Evaluate a host made of atelier's modules, the harness standing in for
  # NixOS, and `modules`.
  evalHost =
    modules:
    lib.evalModules {
      # what a flake passes its hosts (examples/homelab: specialArgs = { inherit atelier; })
      specialArgs.atelier = {
        lib.mkService = import ../lib/mkService.nix;
        nixosModules.default = ../modules;
      };
      modules = [
        ./harness.nix
        ../modules
        {
          _module.check = true;
          _module.args.pkgs = import ./stub-pkgs.nix { inherit lib; };
        }
      ]
      ++ modules;
    };
}
