{
  description = "imports deduplicated by path and by key; disabledModules";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./modules/legacy.nix ./modules/web.nix ./modules/db.nix ./host.nix ];
    };
  };
}
