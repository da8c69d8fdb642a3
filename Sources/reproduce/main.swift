import Foundation

exit(Reproduce.invoke(Array(CommandLine.arguments.dropFirst()), environment: .live()))
