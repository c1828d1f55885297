import storm

def process(tup):
    return tup.values[0])
