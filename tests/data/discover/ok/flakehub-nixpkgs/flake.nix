# nixpkgs from FlakeHub (a tarball URL whose path names owner and
# repository after `/f/`), its lib extended by the flake and reached back
# through `self.outputs.lib` by a host factory.
{
  inputs.nixpkgs.url = "https://flakehub.com/f/NixOS/nixpkgs/0.1.0.tar.gz";
  inputs.atelier.url = "path:../../../../..";
  outputs = { self, nixpkgs, ... } @ inputs:
    let
      mine = import ./lib.nix { inherit inputs; outputs = self.outputs; };
      lib = nixpkgs.lib.extend (final: prev: mine);
    in
    {
      inherit lib;
      nixosConfigurations.depot = lib.mkHost { hostname = "depot"; };
    };
}
