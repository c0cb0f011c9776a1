# `follows` as Nix reads them: the wrapper's own `nixpkgs` input follows
# the root's (so it is nixpkgs' real lib when the root's is overridden),
# and its `site` input follows "" (this flake itself: its `settings`).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.atelier.url = "github:example/atelier";
  inputs.wrapper.url = "github:example/wrapper";
  inputs.wrapper.inputs.nixpkgs.follows = "nixpkgs";
  inputs.wrapper.inputs.site.follows = "";
  outputs = { wrapper, atelier, ... }: {
    settings.dataDir = "/srv/wiki";
    nixosConfigurations.box = wrapper.lib.mkHost {
      specialArgs = { inherit atelier; };
      modules = [ ./box.nix ];
    };
  };
}
