inputs:
let
  inherit (inputs) nixpkgs self;
  inherit (nixpkgs) lib;
  mkHosts = lib.attrsets.mapAttrs self.lib.mkHost;
in
{
  lib = import ./lib { inherit lib inputs; };
  nixosConfigurations = mkHosts {
    hearth = { };
  };
  # Made by the same function, with nix-darwin's: not read.
  darwinConfigurations = mkHosts {
    studio = { class = "darwin"; arch = "aarch64"; };
  };
}
