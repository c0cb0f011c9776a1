# The `follows` of ../follows written only in flake.lock (as `nix flake
# lock` records them): the wrapper's `nixpkgs` is the root's, its `site`
# (`[ ]`) the flake itself.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  inputs.wrapper.url = "github:example/wrapper";
  outputs = { wrapper, atelier, ... }: {
    settings.dataDir = "/srv/wiki";
    nixosConfigurations.box = wrapper.lib.mkHost {
      specialArgs = { inherit atelier; };
      modules = [ ./box.nix ];
    };
  };
}
