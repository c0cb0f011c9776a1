{ inputs, withSystem, getSystem, ... }:
let
  node = name: pkgs: import (pkgs.path + "/nixos/lib/eval-config.nix") {
    inherit (pkgs) system;
    specialArgs = { inherit (inputs) atelier; inherit name; };
    modules = [ ../node.nix ];
  };
in
{
  flake.nixosConfigurations = {
    east = withSystem "x86_64-linux" ({ pkgs, flavour, ... }:
      assert flavour == "stable"; node "east" pkgs);
    west = node "west" (getSystem "aarch64-linux").allModuleArgs.pkgs;
  };
}
