{
  flake.machineModules.vault = { my.role = "server"; };
}
