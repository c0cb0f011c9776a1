{
  flake.machineModules.laptop = { my.role = "desktop"; };
}
