{ lib, namespace, ... }:
{
  stateOf = name: "/srv/${namespace}/${name}";
}
