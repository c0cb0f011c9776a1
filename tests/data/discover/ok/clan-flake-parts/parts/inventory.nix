{
  flake.clan.inventory.machines.nas.tags = [ "storage" ];
}
