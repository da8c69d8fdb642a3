import Foundation
import Harness

MemoryTuning.apply()
exit(Reproduce.invoke(Array(CommandLine.arguments.dropFirst()), environment: .live()))
