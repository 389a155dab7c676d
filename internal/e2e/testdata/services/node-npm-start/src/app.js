const express = require('express')
const routes = require('./routes')

const app = express()
app.disable('x-powered-by')
app.use(express.json())
app.use('/v1', routes)
app.use((req, res) => res.status(404).json({ message: 'Not found' }))

module.exports = app
