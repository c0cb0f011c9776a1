# A host whose data path comes from a framework input that loads its lib
# with `scopedImport` (see ../fw), reached as kosei's users do: through the
# flake's inputs merged with the framework's own (`inputs // fw.inputs`).
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.fw.url = "github:example/fw";
  inputs.atelier.url = "github:example/atelier";
  outputs = inputs@{ self, nixpkgs, atelier, ... }:
    let all = self.inputs // self.inputs.fw.inputs; in {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; dataDir = all.fw.lib."dataDir.nix" "chat"; };
      modules = [ ./host.nix ];
    };
  };
}
