package overhead

var commands counts[string]

// NodeCommand counts one command run on node ("" for a command on the
// harness's host that names no node, such as docker inspect): providers
// call it where a command leaves for a node (docker exec, an SSH session),
// so every fault, check and procedure is counted alike.
func NodeCommand(node string) { commands.add(node) }
