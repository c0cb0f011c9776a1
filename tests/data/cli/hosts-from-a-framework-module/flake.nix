# Hosts made by a flake module of an input atelier-gen does not know
# (nixos-unified's autowire, from a directory): the error names that input, not
# flake-parts' own modules.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    nixos-unified.url = "github:srid/nixos-unified";
  };
  outputs = inputs@{ flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ inputs.nixos-unified.flakeModules.autoWire flake-parts.flakeModules.easyOverlay ];
      systems = [ "x86_64-linux" ];
    };
}
