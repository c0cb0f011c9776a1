# import-tree's `initFilter` (not in atelier-gen's built-in knowledge):
# only `*.svc.nix` files under ./services are modules of the host.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.import-tree.url = "github:vic/import-tree";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, import-tree, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [
        ((import-tree.initFilter (nixpkgs.lib.hasSuffix ".svc.nix")) ./services)
        ./host.nix
      ];
    };
  };
}
