# Two hosts by name, and more that only Nix can name: a filter by the
# version of the Nix that evaluates it. The named hosts are planned; the others are said to
# exist, and `generate`/`check` of every host fail without --allow-partial.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { self, nixpkgs }: {
    nixosConfigurations = {
      a = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ]; };
      c = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ]; };
    } // nixpkgs.lib.filterAttrs (n: v: nixpkgs.lib.versionAtLeast builtins.nixVersion v.since) {
      b = { since = "2.18"; };
    };
  };
}
