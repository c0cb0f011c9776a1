# Hosts made by a flake module of an input atelier-gen does not know
# (a host factory of one's own, from a directory): the error names that input, not
# flake-parts' own modules.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    flake-parts.url = "github:hercules-ci/flake-parts";
    host-factory.url = "github:example/host-factory";
  };
  outputs = inputs@{ flake-parts, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      imports = [ inputs.host-factory.flakeModules.fromDirectory flake-parts.flakeModules.easyOverlay ];
      systems = [ "x86_64-linux" ];
    };
}
