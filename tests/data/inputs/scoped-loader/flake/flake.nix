# A host whose data path comes from a framework input that loads its lib
# with `scopedImport` (see ../fw).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.fw.url = "github:example/fw";
  inputs.atelier.url = "github:example/atelier";
  outputs = { nixpkgs, fw, atelier, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; dataDir = fw.lib."dataDir.nix" "chat"; };
      modules = [ ./host.nix ];
    };
  };
}
