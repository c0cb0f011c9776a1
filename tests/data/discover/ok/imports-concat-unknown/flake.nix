# A host whose `imports` is a list of its own modules `++` the imports of
# a nixpkgs module it calls by hand (`import "${modulesPath}/…" { … }`):
# its own modules are read (the service is planned), and nixpkgs' modules
# hide nothing of atelier's, so the host is not partly read.
{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }: {
    nixosConfigurations.cloud = nixpkgs.lib.nixosSystem {
      specialArgs = { inherit atelier; };
      modules = [ ./host.nix ];
    };
  };
}
