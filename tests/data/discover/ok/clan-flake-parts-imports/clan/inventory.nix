{
  inventory.machines.nas.tags = [ "storage" ];
  inventory.machines.router = { };
}
