# snowfall-lib's user lib as snowfall-lib reads it: each lib/**/default.nix
# that is a function is called with only the arguments it names (of
# `inputs`, `snowfall-inputs`, `namespace`, `lib`), one that is not is taken
# as it is, and the files are merged deeply. The flake uses `mkLib` then
# the returned lib's `mkFlake`.
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
    snowfall-lib.url = "github:snowfallorg/lib";
    snowfall-lib.inputs.nixpkgs.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = inputs:
    let
      lib = inputs.snowfall-lib.mkLib {
        inherit inputs;
        src = ./.;
      };
    in
    lib.mkFlake {
      systems.modules.nixos = [ inputs.atelier.nixosModules.default ];
      systems.hosts.box.specialArgs = { inherit (inputs) atelier; };
    };
}
