# clan-core's `lib.clan` without its source, its argument a clan module:
# what defines the machines comes through `imports` (a path module that
# imports another, and a module function reading the clan's `config`), as
# clan-core evaluates the argument with lib.evalModules. Hosts: alpha
# (`inventory.machines` here, `machines.alpha` under `mkIf` of the clan's
# `config` in the function)
# and beta (`machines.beta` in clan/machines.nix, a path module of its own).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, clan-core, atelier, ... }:
    let
      clan = clan-core.lib.clan {
        inherit self;
        specialArgs = { inherit atelier; };
        imports = [
          ./clan/machines.nix
          ({ config, lib, ... }: {
            meta.name = "imports";
            inventory.machines.alpha.tags = [ "backup" ];
            machines = lib.mkMerge [
              (lib.mkIf (config.specialArgs.site == "home") {
                alpha = { atelier, ... }: {
                  imports = [ atelier.nixosModules.default ];
                  atelier.backup = {
                    enable = true;
                    repositories.default = {
                      repository = "sftp:backup@beta:/srv/restic";
                      passwordFile = "/run/keys/restic";
                    };
                    services.mail.paths = [ "/var/lib/mail" ];
                  };
                };
              })
            ];
          })
        ];
      };
    in
    { inherit (clan.config) nixosConfigurations; };
}
