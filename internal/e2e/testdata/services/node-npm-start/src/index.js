const app = require('./app')
const config = require('./config/config')

const server = app.listen(config.port, () => console.log(`Listening to port ${config.port} (${config.env})`))

const shutdown = () => server.close(() => process.exit(0))
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
