#include "cli/cli.hpp"

int main(int argc, char** argv) {
    return rblscope::cli::run(argc, argv);
}
