{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-26.05";
  inputs.atelier.url = "path:../../../../..";
  outputs = { nixpkgs, atelier, ... }:
    let
      svc = atelier.lib.mkService {
        name = "kv";
        extraConfig = cfg: { atelier.services.kv.data.sqlite = "${cfg.dataDir}/kv.db"; };
      };
    in
    {
      nixosConfigurations.alpha = nixpkgs.lib.nixosSystem {
        modules = [ atelier.nixosModules.default svc ./hosts/alpha.nix ./common.nix ];
      };
      nixosConfigurations.beta = nixpkgs.lib.nixosSystem {
        modules = [ atelier.nixosModules.default svc ./hosts/beta.nix ./common.nix ];
      };
    };
}
