# clan-core's inventory without its source: `clan-core.lib.clan { ... }`,
# hosts from `clan.config.nixosConfigurations`. Machines: each directory of
# machines/ (vault: configuration.nix + hardware-configuration.nix), each
# `inventory.machines.<name>` (gate; studio is darwin, no NixOS host) and
# each `machines.<name>`. A service instance of the flake's own module
# reaches vault through its tag and declares atelier data in its
# `perInstance` NixOS module; clan-core's own `sshd` instance is clan-core's
# module (not read, as nixpkgs' modules are not).
{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
    clan-core.inputs.nixpkgs.follows = "nixpkgs";
    atelier.url = "path:../../../../..";
  };
  outputs = { self, clan-core, atelier, ... }:
    let
      clan = clan-core.lib.clan {
        inherit self;
        meta.name = "homelab";
        specialArgs = { inherit atelier; };
        inventory.machines = {
          vault.tags = [ "backup" ];
          gate = { };
          studio.machineClass = "darwin";
        };
        machines.gate = {
          imports = [ atelier.nixosModules.default ];
          atelier.backup = {
            enable = true;
            repositories.default = {
              repository = "sftp:backup@vault:/srv/restic";
              passwordFile = "/run/keys/restic";
            };
            services.dns.paths = [ "/var/lib/unbound" ];
          };
        };
        modules.notes = ./services/notes.nix;
        inventory.instances = {
          notes = {
            module = { name = "notes"; input = "self"; };
            roles.server.tags = [ "backup" ];
            roles.server.settings.dataDir = "/srv/notes";
          };
          sshd = {
            module = { name = "sshd"; input = "clan-core"; };
            roles.server.tags = [ "all" ];
          };
        };
      };
    in
    {
      inherit (clan.config) nixosConfigurations clanInternals;
      clan = clan.config;
    };
}
