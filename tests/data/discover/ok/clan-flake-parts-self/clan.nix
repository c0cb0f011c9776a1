{ self, inputs, ... }:
{
  clan.meta.name = "home";
  clan.specialArgs = { inherit (inputs) atelier; };
  clan.inventory.machines.nas.tags = [ "storage" ];
  clan.inventory.instances.sshd = {
    module.input = "clan-core";
    module.name = "sshd";
    roles.server.tags.all = { };
    roles.server.extraModules = [ self.nixosModules.backup "${self}/services/keys.nix" ];
  };
}
