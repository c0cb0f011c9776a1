{
  description = "A host that declares no data at all";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.plain = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [
        ({ config, lib, ... }: {
          services.nginx.enable = true;
          networking.hostName = "plain";
          users.users.web.home = lib.mkIf config.services.nginx.enable "/srv/web";
        })
      ];
    };
  };
}
