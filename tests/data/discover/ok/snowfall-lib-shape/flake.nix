# snowfall-lib's lib as it gives it to user lib files and hosts: nixpkgs'
# lib, every input's `lib` by the input's name (`lib.nixpkgs`,
# `lib.atelier`) and the user lib under the namespace, merged shallowly, so
# a user lib file's attribute names may be computed with `lib`
# (`lib.genAttrs`, p1x3l101-10/nixos-server) and the user lib is not at
# the top level of the hosts' `lib`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    snowfall-lib.url = "github:snowfallorg/lib";
    snowfall-lib.inputs.nixpkgs.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    inputs.snowfall-lib.mkFlake {
      inherit inputs;
      src = ./.;
      snowfall.namespace = "mine";
      systems.modules.nixos = [ inputs.atelier.nixosModules.default ];
    };
}
