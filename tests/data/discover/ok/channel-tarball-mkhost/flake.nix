# nixpkgs as a channel tarball (`nixexprs.tar.zst`: smaller than a GitHub
# archive) and hosts made by the flake's own `self.lib.mkHost`, which picks
# `nixpkgs.lib.nixosSystem` by class and imports "${self}/systems/${name}"
# (isabelroses/dotfiles' layout). The tarball is nixpkgs: its lib is known
# without its source.
{
  inputs.nixpkgs.url = "https://channels.nixos.org/nixpkgs-unstable/nixexprs.tar.zst";
  inputs.darwin.url = "github:nix-darwin/nix-darwin";
  inputs.atelier.url = "path:../../../../..";
  outputs = inputs: import ./outputs.nix inputs;
}
