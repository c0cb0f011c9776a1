# Two hosts by name, and more that only Nix can name: a filter by the
# current system. The named hosts are planned; the others are said to
# exist, and `generate`/`check` of every host fail without --allow-partial.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { self, nixpkgs }: {
    nixosConfigurations = {
      a = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ]; };
      c = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ]; };
    } // nixpkgs.lib.filterAttrs (n: v: v.system == builtins.currentSystem) {
      b = { system = "x86_64-linux"; };
    };
  };
}
