# flake-parts' `flake` option is a submodule (oddlama/nix-config): one
# definition is a module function of the outputs (`config`) and `lib`,
# next to plain `flake.*` definitions and a module file.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      imports = [ ./flake/hosts.nix ./flake/names.nix ];
      flake = ./flake/outputs.nix;
    };
}
