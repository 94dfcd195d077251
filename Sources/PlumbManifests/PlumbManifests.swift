import PlumbCore
import PlumbGit
import PlumbYAML
